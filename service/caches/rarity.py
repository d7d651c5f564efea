"""The rarity board this instance answers with: loaded before serving, swapped by the rarity job."""

from service.engine.rarity import RarityBoard


class RarityHolder:
    """The board this instance currently answers with; the rarity job loads it at start-up and swaps in newer ones."""

    def __init__(self, board: RarityBoard | None = None) -> None:
        self._board = board

    @property
    def board(self) -> RarityBoard:
        if self._board is None:
            raise RuntimeError("the rarity board is loaded at start-up, before the service answers")
        return self._board

    @board.setter
    def board(self, board: RarityBoard) -> None:
        self._board = board

    @property
    def loaded(self) -> bool:
        return self._board is not None
