"""Identifiers with valid check digits: NHS numbers, NI numbers, UPNs, plus partner ids.

Uniqueness comes from an affine permutation of an index range (a*i + b mod m with a coprime
to m): every person gets a distinct number without drawing and rejecting duplicates.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NHS_WEIGHTS = np.arange(10, 1, -1)
UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"
_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"  # D F I Q U V never used
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"  # nor O in second place
_NINO_BAD_PREFIXES = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
NINO_PREFIXES = tuple(
    a + b for a in _NINO_FIRST for b in _NINO_SECOND if a + b not in _NINO_BAD_PREFIXES
)


def fmt_int(values: np.ndarray, width: int, prefix: str = "") -> np.ndarray:
    """Zero-padded decimal strings with a prefix, e.g. ``fmt_int([7], 4, "N") -> ["N0007"]``."""
    text = pc.utf8_lpad(
        pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string()), width, "0"
    )
    if prefix:
        text = pc.binary_join_element_wise(prefix, text, "")
    return np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)


def scattered(rng: np.random.Generator, n: int, modulus: int) -> np.ndarray:
    """``n`` distinct integers in [0, modulus), scattered over the range."""
    if n > modulus:
        raise ValueError("not enough numbers in the range")
    while True:
        a = int(rng.integers(modulus // 3, modulus - 1))
        if math.gcd(a, modulus) == 1:
            break
    b = int(rng.integers(0, modulus))
    return (np.arange(n, dtype=np.int64) * a + b) % modulus


def nhs_check_digit(nine_digits: np.ndarray) -> np.ndarray:
    """Modulus 11 check digit for 9-digit stems; 10 means the stem cannot be used."""
    digits = (nine_digits[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits * NHS_WEIGHTS).sum(axis=1) % 11
    return np.where(check == 11, 0, check)


def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid NHS numbers (10-digit strings, 400 000 000x range)."""
    stems = 400_000_000 + scattered(rng, int(n * 1.15) + 20, 100_000_000)
    check = nhs_check_digit(stems)
    usable = check != 10
    stems, check = stems[usable][:n], check[usable][:n]
    return fmt_int(stems * 10 + check, 10)


def ni_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct NI numbers: valid prefix, six digits, suffix A-D."""
    codes = scattered(rng, n, len(NINO_PREFIXES) * 1_000_000)
    prefixes = np.array(NINO_PREFIXES, dtype=object)[codes // 1_000_000]
    # A second bijection on the six digits so neighbours in the sequence do not look alike.
    digits = (codes % 1_000_000 * 7_919 + int(rng.integers(0, 1_000_000))) % 1_000_000
    suffixes = np.array(list("ABCD"), dtype=object)[rng.integers(0, 4, n)]
    return prefixes + fmt_int(digits, 6) + suffixes


def upn_check_letters(twelve_digits: np.ndarray) -> np.ndarray:
    """The UPN check letter for 12-digit numbers (given as int64 values)."""
    digits = (twelve_digits[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    # In the check alphabet the digits 0-9 sit at positions 23-32; weights run 2..13.
    total = ((digits + 23) * np.arange(2, 14)).sum(axis=1) % 23
    return np.array(list(UPN_ALPHABET), dtype=object)[total]


def upns(
    la: np.ndarray, establishment: np.ndarray, year2: np.ndarray, serial: np.ndarray
) -> np.ndarray:
    """UPNs from their parts: LA number, DfE establishment number, issue year, serial."""
    body = la * 10**9 + establishment * 10**5 + year2 * 10**3 + serial
    return upn_check_letters(body) + fmt_int(body, 12)


def transpose_two_digits(rng: np.random.Generator, value: str) -> str:
    """The same identifier with two neighbouring characters swapped (a keying slip)."""
    positions = [i for i in range(len(value) - 1) if value[i] != value[i + 1]]
    if not positions:
        return value
    i = positions[int(rng.integers(0, len(positions)))]
    return value[:i] + value[i + 1] + value[i] + value[i + 2 :]
