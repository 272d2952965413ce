"""Many accounts: the pool of auths and the background refresher.

Private; the public names are re-exported by ``lexoffice_auth`` and its public modules.
This file imports nothing, so importing one module of the package stays cheap.
"""
