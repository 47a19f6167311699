from familyhub.identity.addresses import clean_address
from familyhub.identity.fullnames import split_full_name


def test_family_comma_given() -> None:
    assert split_full_name("NOWAK, Zofia Maria", "family_comma_given") == ("Zofia Maria", "NOWAK")
    assert split_full_name("NOWAK", "family_comma_given") == (None, "NOWAK")


def test_given_then_family_in_capitals() -> None:
    assert split_full_name("Aisha KHAN-AHMED", "given_family_upper") == ("Aisha", "KHAN-AHMED")
    assert split_full_name("Mary Anne O'BRIEN", "given_family_upper") == ("Mary Anne", "O'BRIEN")
    assert split_full_name("Jo VAN DER BERG", "given_family_upper") == ("Jo", "VAN DER BERG")
    # No capitals: fall back to the last word.
    assert split_full_name("Aisha Khan", "given_family_upper") == ("Aisha", "Khan")


def test_given_family() -> None:
    assert split_full_name("Zofia  Nowak", "given_family") == ("Zofia", "Nowak")
    assert split_full_name("  ", "given_family") == (None, None)


def test_addresses_are_tidied() -> None:
    assert clean_address("14  LARCH AVENUE ,NORTHTOWN") == "14 Larch Avenue, Northtown"
    assert clean_address("Flat 2, 9 Mill Lane") == "Flat 2, 9 Mill Lane"
    assert clean_address(" , ") is None
