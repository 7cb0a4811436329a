"""Collectors that read cloud accounts through the providers' own APIs."""
