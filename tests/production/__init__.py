"""Tests of the production features: encrypted stores, webhooks, many accounts."""
