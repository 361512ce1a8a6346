"""Attribution maps (captum IntegratedGradients and Saliency) of the chosen action's logit
over the observation, drawn over the frame: per grid cell (summed over the symbolic
channels) on the env's RGB render, or per pixel over the very RGB frame the agent saw
(first-person voxel views)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

import embedsafe


class Logits(nn.Module):
    """The policy as obs -> action logits, for captum (float obs in the env's layout)."""

    def __init__(self, policy):
        super().__init__()
        self.policy = policy

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        if obs.shape[-1] == 3 and obs.shape[1] != 3:  # HWC frames -> CHW as SB3 trains them
            obs = obs.permute(0, 3, 1, 2)
        features = self.policy.extract_features(obs)
        latent_pi, _ = self.policy.mlp_extractor(features)
        return self.policy.action_net(latent_pi)


def attribute(policy, obs: np.ndarray, actions: np.ndarray, steps: int = 32) -> dict:
    """``{"ig": maps, "saliency": maps}``, each ``(n, H, W)``: |attribution| summed over
    channels (grid: channel axis 0; frames: axis -1), for the given actions' logits."""
    from captum.attr import IntegratedGradients, Saliency

    model = Logits(policy)
    x = torch.as_tensor(obs, dtype=torch.float32).requires_grad_(True)
    target = torch.as_tensor(actions, dtype=torch.long)
    ig = IntegratedGradients(model).attribute(x, target=target, n_steps=steps)
    sal = Saliency(model).attribute(x, target=target, abs=True)
    axis = -1 if obs.shape[-1] == 3 else 1
    return {name: a.detach().abs().sum(axis).numpy() for name, a in (("ig", ig), ("saliency", sal))}


def frames(env_id: str, env_kwargs: dict, seed: int, actions: np.ndarray) -> list[np.ndarray]:
    """Replay ``actions`` from env seed ``seed`` and return the RGB frame before each one."""
    env = embedsafe.make(env_id, render_mode="rgb_array", **env_kwargs)
    try:
        env.reset(seed=int(seed))
        out = []
        for a in actions:
            out.append(env.render())
            env.step(int(a))
        return out
    finally:
        env.close()


def overlay(ax, frame: np.ndarray, heat: np.ndarray, title: str) -> None:
    """Draw ``heat`` (``H x W`` cells or pixels) over ``frame``; grid cells are matched to
    the top-left ``H*cell x W*cell`` block that holds the map in the grid renders."""
    h, w = heat.shape
    cell = frame.shape[1] / w
    ax.imshow(frame)
    ax.imshow(
        heat / (heat.max() + 1e-12),
        cmap="inferno",
        alpha=0.55,
        extent=(0, w * cell, h * cell, 0),
        interpolation="nearest",
    )
    ax.set_xlim(0, frame.shape[1])
    ax.set_ylim(frame.shape[0], 0)
    ax.set_title(title, fontsize=8)
    ax.axis("off")


def attribution_figure(policy, data, rows: np.ndarray, path: Path, action_names=None) -> Path:
    """One column per chosen row of a rollout dataset: frame + IG overlay, frame + saliency."""
    import matplotlib.pyplot as plt

    meta = policy.embedsafe_meta
    maps = attribute(policy, data.obs[rows], data.action[rows])
    seen = data.obs.ndim == 4 and data.obs.shape[-1] == 3  # the observation is the frame
    side = 1.9 if seen else 2.6  # a 64x64 frame needs no more
    fig, axes = plt.subplots(
        2, len(rows), figsize=(side * len(rows), 2 * side + 0.2), squeeze=False
    )
    for j, r in enumerate(rows):
        if seen:
            frame = data.obs[r]
        else:
            ep_rows = np.flatnonzero(data.episode == data.episode[r])
            acts = data.action[ep_rows][: data.step[r] + 1]
            env_kwargs = meta.get("env_kwargs", {})
            frame = frames(meta["env_id"], env_kwargs, data.episode[r], acts)[-1]
        act = int(data.action[r])
        name = action_names[act] if action_names else str(act)
        label = f"ep {data.episode[r]} t={data.step[r]} a={name}"
        overlay(axes[0, j], frame, maps["ig"][j], f"IG  {label}")
        overlay(axes[1, j], frame, maps["saliency"][j], f"saliency  {label}")
    fig.tight_layout()
    fig.savefig(path, dpi=80 if seen else 90)
    plt.close(fig)
    return path


def channel_maps(policy, obs: np.ndarray, layer: str, channel: int) -> np.ndarray:
    """``(n, H, W)``: one channel of a convolutional layer's output, at full resolution."""
    from embedsafe.probing.capture import forward

    maps: list[np.ndarray] = []
    module = dict(policy.named_modules())[layer]
    handle = module.register_forward_hook(
        lambda m, i, out: maps.append(out[:, channel].detach().float().numpy())
    )
    try:
        with torch.no_grad():
            forward(policy, obs)
    finally:
        handle.remove()
    return maps[0]


def unit_figure(
    policy, data, layer: str, unit: int, y: np.ndarray, path: Path, title: str, n: int = 3
) -> Path | None:
    """A single unit drawn over the frames the agent saw: the map of the unit's channel
    (full resolution) on ``n`` frames where the concept holds (``y == 1``) and ``n`` where
    it does not, on one colour scale. None unless the observations are RGB frames and
    ``layer`` is convolutional."""
    import matplotlib.pyplot as plt

    from embedsafe.probing.capture import activation_shape

    shape = activation_shape(policy, layer)
    if data.obs.ndim != 4 or data.obs.shape[-1] != 3 or len(shape) != 3:
        return None
    channel = unit // (data.acts[layer].shape[1] // shape[0])
    picks = []
    for label in (1, 0):
        rows = np.flatnonzero(y == label)
        picks += [(r, label) for r in rows[np.linspace(0, len(rows) - 1, n).astype(int)]]
    maps = channel_maps(policy, data.obs[[r for r, _ in picks]], layer, channel)
    top = float(maps.max()) + 1e-12
    fig, axes = plt.subplots(1, len(picks), figsize=(1.5 * len(picks), 1.9), squeeze=False)
    size = data.obs.shape[1]
    for ax, (r, label), heat in zip(axes[0], picks, maps, strict=True):
        ax.imshow(data.obs[r])
        ax.imshow(
            heat,
            cmap="inferno",
            alpha=0.5,
            vmin=0,
            vmax=top,
            extent=(0, size, size, 0),
            interpolation="bilinear",
        )
        ax.set_title(
            ("holds" if label else "does not") + f"\nep {data.episode[r]} t={data.step[r]}",
            fontsize=6,
        )
        ax.axis("off")
    fig.suptitle(f"{title}: channel {channel} of {layer}", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
