"""OAuth 2.0 / OpenID Connect: metadata, discovery, PKCE, login, tokens, id_token.

Private; the public names are re-exported by ``lexoffice_auth`` and its public modules.
This file imports nothing, so importing one module of the package stays cheap.
"""
