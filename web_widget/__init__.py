"""The embeddable chat widget, its demo host pages and the small server that serves them."""
