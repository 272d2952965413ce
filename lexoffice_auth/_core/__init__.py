"""The bottom layer: clock, argument checks, the pydantic base, URL rules, HTTP.

Private; the public names are re-exported by ``lexoffice_auth`` and its public modules.
This file imports nothing, so importing one module of the package stays cheap.
"""
