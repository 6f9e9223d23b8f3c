"""Named-entity recognition: a character CRF trained on the shared corpus (being written)."""
