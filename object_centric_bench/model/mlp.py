"""A plain multi-layer perceptron, the building block reused by most model parts."""

from collections.abc import Sequence

from torch import nn


class MLP(nn.Sequential):
    """Linear layers with an activation between them (none after the last).

    `hidden_dims` lists the widths of the hidden layers; an empty list gives one linear layer.
    """

    def __init__(
        self,
        in_dim: int,
        hidden_dims: Sequence[int],
        out_dim: int,
        activation: type[nn.Module] = nn.GELU,
        bias: bool = True,
    ):
        dims = [in_dim, *hidden_dims, out_dim]
        layers = []
        for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
            if i > 0:
                layers.append(activation())
            layers.append(nn.Linear(d_in, d_out, bias=bias))
        super().__init__(*layers)
