"""Token sources: static, refreshing (single-flight, stores, policy), tombstones.

Private; the public names are re-exported by ``lexoffice_auth`` and its public modules.
This file imports nothing, so importing one module of the package stays cheap.
"""
