#!/usr/bin/env python3
"""Makes the TorchScript models that examples/torchscript/*.yaml train.

A model for Hourglass's `torchscript` learner is any torch.nn.Module whose
forward maps a float32 batch [n, input_dim] to [n, output_dim] (regression
values, or one logit per class), saved with torch.jit.save after
torch.jit.script (or torch.jit.trace). Hourglass copies it once per seed,
re-draws its Linear/Conv weights per seed (unless the agent says
`init: file`), and trains it with its own optimizer on the data the budget
allows.

Needs Debian's python3-torch (apt-get install python3-torch; it is also in
`scripts/setup.sh --tests`):

    /usr/bin/python3 examples/torchscript/make_models.py [OUT_DIR]

writes OUT_DIR (default: models/ next to this script):
    blob_mlp.pt         8 -> 4 classifier: an MLP (suite.yaml)
    blob_cnn.pt         8 -> 4 classifier: a 1-D convolution over the 8
                        features, then a linear head (suite.yaml)
    pretrained_sine.pt  1 -> 1 regression MLP pretrained here on y = sin(x),
                        for `init: file` under the transfer protocol
                        (transfer.yaml)
"""
import os
import sys

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit("make_models.py: needs PyTorch: apt-get install python3-torch "
             "(run it with /usr/bin/python3)")


class SineMlp(nn.Module):
    """A small tanh MLP for 1-D regression."""

    def __init__(self, width: int = 64):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(1, width), nn.Tanh(),
            nn.Linear(width, width), nn.Tanh(),
            nn.Linear(width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class BlobMlp(nn.Module):
    """An MLP classifier: relu features, then one logit per class."""

    def __init__(self, dim: int = 8, classes: int = 4, width: int = 64):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(dim, width), nn.ReLU(),
                                      nn.Linear(width, width), nn.ReLU())
        self.head = nn.Linear(width, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class BlobCnn(nn.Module):
    """A 1-D convolution over the input features, then a linear head."""

    def __init__(self, dim: int = 8, classes: int = 4, channels: int = 16):
        super().__init__()
        self.conv = nn.Conv1d(1, channels, kernel_size=3, padding=1)
        self.head = nn.Linear(channels * dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(x.unsqueeze(1)))   # [n, channels, dim]
        return self.head(h.flatten(1))


def pretrain_on_sine(model: nn.Module, steps: int = 1500) -> nn.Module:
    """Fits y = sin(x) on [-5, 5]: a stand-in for a model pretrained elsewhere."""
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        x = torch.rand(128, 1) * 10 - 5
        loss = ((model(x) - torch.sin(x)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "models")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    models = {
        "blob_mlp.pt": BlobMlp(),
        "blob_cnn.pt": BlobCnn(),
        "pretrained_sine.pt": pretrain_on_sine(SineMlp()),
    }
    for name, model in models.items():
        path = os.path.join(out, name)
        torch.jit.save(torch.jit.script(model), path)
        print(path)


if __name__ == "__main__":
    main()
