"""Publishers' spend files: who publishes them (registry), what period each covers (periods), where
they are linked (discover), and how they reach the raw store with their provenance (download, fetch).

This is the only package, with `spend.notices`, that touches the network. See DESIGN.md.
"""
