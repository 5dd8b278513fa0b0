"""Platform code every deployable shares. Knows no business domain and imports no deployable."""
