"""Data subjects' rights: access, rectification, erasure, restriction, portability, objection.

Other domains read two facts from here (see :mod:`familyhub.rights.facts`): who is restricted
(kept but not processed) and who objects to profiling (left out of needs flagging).
"""
