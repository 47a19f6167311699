"""Onboarding partner data: contracts, readers, validation, quarantine, normalisation, loading.

A partner's extract is described by one YAML contract (``contracts/*.yaml`` or a council's own
folder named by ``FAMILYHUB_CONTRACTS_DIR``); :func:`familyhub.sources.service.ingest_file`
loads a file under its contract in one transaction.
"""
