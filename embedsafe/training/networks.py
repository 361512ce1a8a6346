"""Small CNN feature extractors for embedsafe observations.

Two shapes of input occur:

- symbolic grids: ``(C, H, W)`` 0/1 planes with ``H, W`` around 8-12. Strided or large
  kernels would erase the map, so :class:`GridCNN` uses 3x3 convolutions with padding
  (the map keeps its size) and one dense layer. The planes are already 0/1, so the policy
  must not divide by 255 (``normalize_images=False``).
- 64x64 RGB frames (first-person voxel view, grid ``obs="rgb"``): :class:`FrameCNN` is the
  Minetester-like Nature-CNN trunk, three conv layers and one dense layer.

PPO puts its actor and critic heads (``net_arch``) on top of either trunk.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

KINDS = ("auto", "grid", "frame")


class GridCNN(BaseFeaturesExtractor):
    """Same-size 3x3 convolutions over symbolic planes, then one dense layer."""

    def __init__(
        self,
        observation_space: gym.spaces.Box,
        features_dim: int = 128,
        channels: tuple[int, ...] = (16, 32),
    ):
        super().__init__(observation_space, features_dim)
        layers: list[nn.Module] = []
        c_in = observation_space.shape[0]
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
            c_in = c_out
        self.cnn = nn.Sequential(*layers, nn.Flatten())
        n_flat = c_in * observation_space.shape[1] * observation_space.shape[2]
        self.linear = nn.Sequential(nn.Linear(n_flat, features_dim), nn.ReLU())

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.linear(self.cnn(observations))


class FrameCNN(BaseFeaturesExtractor):
    """Nature-CNN trunk for 64x64 frames (channels first, as SB3 transposes them)."""

    def __init__(
        self,
        observation_space: gym.spaces.Box,
        features_dim: int = 256,
        channels: tuple[int, ...] = (32, 64, 64),
    ):
        super().__init__(observation_space, features_dim)
        if len(channels) != 3:
            raise ValueError(f"FrameCNN needs 3 conv channel counts, got channels={channels!r}")
        c, h, w = observation_space.shape
        self.cnn = nn.Sequential(
            nn.Conv2d(c, channels[0], 8, stride=4),
            nn.ReLU(),
            nn.Conv2d(channels[0], channels[1], 4, stride=2),
            nn.ReLU(),
            nn.Conv2d(channels[1], channels[2], 3, stride=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        with torch.no_grad():
            n_flat = self.cnn(torch.zeros(1, c, h, w)).shape[1]
        self.linear = nn.Sequential(nn.Linear(n_flat, features_dim), nn.ReLU())

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.linear(self.cnn(observations))


def pick_kind(space: gym.spaces.Space) -> str:
    """``grid`` for small symbolic planes, ``frame`` for RGB images (3 channels, >= 36 px)."""
    if not isinstance(space, gym.spaces.Box) or len(space.shape) != 3:
        raise ValueError(f"the CNN policies need a 3-D Box observation space, got {space}")
    return "frame" if min(space.shape) == 3 and max(space.shape) >= 36 else "grid"


def policy_kwargs(network: dict, space: gym.spaces.Space) -> dict:
    """SB3 ``policy_kwargs`` for a recipe's ``network`` section and an observation space."""
    kind = network.get("kind", "auto")
    if kind not in KINDS:
        raise ValueError(f"network.kind={kind!r} is not allowed; choose one of {KINDS}")
    kind = pick_kind(space) if kind == "auto" else kind
    extractor = GridCNN if kind == "grid" else FrameCNN
    extractor_kwargs = {"features_dim": int(network.get("features_dim", 128))}
    if network.get("channels"):
        extractor_kwargs["channels"] = tuple(int(c) for c in network["channels"])
    heads = network.get("net_arch", {"pi": [64], "vf": [64]})
    return {
        "features_extractor_class": extractor,
        "features_extractor_kwargs": extractor_kwargs,
        "net_arch": dict(heads) if isinstance(heads, dict) else list(heads),
        "normalize_images": kind == "frame",
        "activation_fn": nn.ReLU,
    }
