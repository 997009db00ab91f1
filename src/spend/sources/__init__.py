"""Where the raw files come from: the only package that touches the network.

Publishers' spend files: who publishes them (registry), where they are linked (discover), and how they
reach the raw store with their provenance (download, fetch). Contracts Finder and Find a Tender notices:
the services as data (services, notice_apis), the polite HTTP layer (http) and the resumable harvest
(harvest). Files already on this machine go in the same way, with the same provenance (local).
"""
