"""Identity resolution: source records linked into persons with stable ids."""
