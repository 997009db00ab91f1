"""The small pieces every layer shares: the schema, money, periods, supplier codes, errors, where files
live (config) and how they are written (files). Nothing here reads the network or a spend file."""
