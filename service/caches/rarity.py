"""The rarity board this instance answers with: loaded before serving, swapped by the rarity job."""

from service.engine.rarity import RarityBoard


class RarityHolder:
    """The board this instance currently answers with; the rarity job loads it at start-up and swaps in newer ones."""

    def __init__(self, board: RarityBoard) -> None:
        self.board = board
