"""A plain multi-layer perceptron, the building block reused by most model parts."""

from collections.abc import Sequence

from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU}


def activation_class(activation: type[nn.Module] | str) -> type[nn.Module]:
    """An activation module class, given as itself or by name (``"relu"``, ``"gelu"``)."""
    if not isinstance(activation, str):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    return ACTIVATIONS[activation]


def zero_biases(module: nn.Module) -> None:
    """Set the biases of every linear layer and GRU cell inside ``module`` to zero."""
    for part in module.modules():
        if isinstance(part, nn.Linear) and part.bias is not None:
            nn.init.zeros_(part.bias)
        elif isinstance(part, nn.GRUCell):
            nn.init.zeros_(part.bias_ih)
            nn.init.zeros_(part.bias_hh)


class MLP(nn.Sequential):
    """Linear layers with an activation between them (none after the last).

    `hidden_dims` lists the widths of the hidden layers; an empty list gives one linear layer.
    `activation` is a module class or its name (``"relu"``, ``"gelu"``). `dropout` > 0 adds
    dropout after each hidden activation.
    """

    def __init__(
        self,
        in_dim: int,
        hidden_dims: Sequence[int],
        out_dim: int,
        activation: type[nn.Module] | str = nn.GELU,
        bias: bool = True,
        dropout: float = 0.0,
    ):
        activation = activation_class(activation)
        dims = [in_dim, *hidden_dims, out_dim]
        layers = []
        for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
            if i > 0:
                layers.append(activation())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
            layers.append(nn.Linear(d_in, d_out, bias=bias))
        super().__init__(*layers)
