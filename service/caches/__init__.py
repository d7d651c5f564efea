"""In-process state every instance keeps of stored data: the active catalogue and the rarity board."""
