"""The storefront: vehicle picker, catalog, cart, checkout and live order tracking (port 3000)."""
