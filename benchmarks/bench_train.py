"""Training speed: calc.train.loop against two plain baselines measured in the same run (printed, never asserted).

Baselines:
  Mazur-style  a class-based pure-Python NeuralNetwork / NeuronLayer / Neuron written like the script of
               Mazur's post: per step nn.train(...) then nn.calculate_total_error(...) (a second forward pass)
               for the one-sample case; for a batch, one pass that accumulates the gradient and the loss.
  plain NumPy  the textbook vectorised loop: forward, loss, deltas, W -= eta * A^T delta.
Each baseline's history is checked against calc.train.loop's before any time is printed, so the rows compare
the same computation. Times are the median of --repeats runs.

    python benchmarks/bench_train.py [--repeats 5] [--batch-steps 50]
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calc.presets import load_preset  # noqa: E402
from calc.problem.spec import spec_from_dict  # noqa: E402
from calc.train.loop import choose_engine, train  # noqa: E402


# ---------------------------------------------------------------------------------------------------
# Mazur-style pure Python (sigmoid units, one bias per layer left fixed, half squared error)

class Neuron:
    def __init__(self, bias: float):
        self.bias = bias
        self.weights: list[float] = []

    def calculate_output(self, inputs: list[float]) -> float:
        self.inputs = inputs
        self.output = self.squash(self.calculate_total_net_input())
        return self.output

    def calculate_total_net_input(self) -> float:
        total = 0.0
        for i in range(len(self.inputs)):
            total += self.inputs[i] * self.weights[i]
        return total + self.bias

    def squash(self, total_net_input: float) -> float:
        return 1 / (1 + math.exp(-total_net_input))

    def calculate_pd_error_wrt_total_net_input(self, target_output: float) -> float:
        return self.calculate_pd_error_wrt_output(target_output) * self.calculate_pd_total_net_input_wrt_input()

    def calculate_error(self, target_output: float) -> float:
        return 0.5 * (target_output - self.output) ** 2

    def calculate_pd_error_wrt_output(self, target_output: float) -> float:
        return -(target_output - self.output)

    def calculate_pd_total_net_input_wrt_input(self) -> float:
        return self.output * (1 - self.output)

    def calculate_pd_total_net_input_wrt_weight(self, index: int) -> float:
        return self.inputs[index]


class NeuronLayer:
    def __init__(self, num_neurons: int, bias: float):
        self.bias = bias
        self.neurons = [Neuron(self.bias) for _ in range(num_neurons)]

    def feed_forward(self, inputs: list[float]) -> list[float]:
        return [neuron.calculate_output(inputs) for neuron in self.neurons]


class NeuralNetwork:
    def __init__(self, hidden_weights, hidden_bias, output_weights, output_bias, learning_rate):
        """Weights as in the spec contract: weights[i][j] connects source i to unit j."""
        self.learning_rate = learning_rate
        self.hidden_layer = NeuronLayer(len(hidden_weights[0]), hidden_bias)
        self.output_layer = NeuronLayer(len(output_weights[0]), output_bias)
        for j, neuron in enumerate(self.hidden_layer.neurons):
            neuron.weights = [row[j] for row in hidden_weights]
        for j, neuron in enumerate(self.output_layer.neurons):
            neuron.weights = [row[j] for row in output_weights]

    def feed_forward(self, inputs):
        return self.output_layer.feed_forward(self.hidden_layer.feed_forward(inputs))

    def deltas(self, training_inputs, training_outputs):
        self.feed_forward(training_inputs)
        # 1. output neuron deltas
        d_out = [self.output_layer.neurons[o].calculate_pd_error_wrt_total_net_input(training_outputs[o])
                 for o in range(len(self.output_layer.neurons))]
        # 2. hidden neuron deltas (through the weights before the update)
        d_hid = [0.0] * len(self.hidden_layer.neurons)
        for h in range(len(self.hidden_layer.neurons)):
            d_error_wrt_hidden_output = 0.0
            for o in range(len(self.output_layer.neurons)):
                d_error_wrt_hidden_output += d_out[o] * self.output_layer.neurons[o].weights[h]
            d_hid[h] = d_error_wrt_hidden_output * self.hidden_layer.neurons[h].calculate_pd_total_net_input_wrt_input()
        return d_out, d_hid

    def train(self, training_inputs, training_outputs):
        d_out, d_hid = self.deltas(training_inputs, training_outputs)
        # 3. update output neuron weights
        for o, neuron in enumerate(self.output_layer.neurons):
            for w_ho in range(len(neuron.weights)):
                neuron.weights[w_ho] -= self.learning_rate * d_out[o] * neuron.calculate_pd_total_net_input_wrt_weight(w_ho)
        # 4. update hidden neuron weights
        for h, neuron in enumerate(self.hidden_layer.neurons):
            for w_ih in range(len(neuron.weights)):
                neuron.weights[w_ih] -= self.learning_rate * d_hid[h] * neuron.calculate_pd_total_net_input_wrt_weight(w_ih)

    def train_batch(self, training_sets) -> float:
        """One batch update (the gradient summed over the samples); returns the loss before it."""
        g_out = [[0.0] * len(n.weights) for n in self.output_layer.neurons]
        g_hid = [[0.0] * len(n.weights) for n in self.hidden_layer.neurons]
        total_error = 0.0
        for training_inputs, training_outputs in training_sets:
            d_out, d_hid = self.deltas(training_inputs, training_outputs)
            for o, neuron in enumerate(self.output_layer.neurons):
                total_error += neuron.calculate_error(training_outputs[o])
                for w_ho in range(len(neuron.weights)):
                    g_out[o][w_ho] += d_out[o] * neuron.calculate_pd_total_net_input_wrt_weight(w_ho)
            for h, neuron in enumerate(self.hidden_layer.neurons):
                for w_ih in range(len(neuron.weights)):
                    g_hid[h][w_ih] += d_hid[h] * neuron.calculate_pd_total_net_input_wrt_weight(w_ih)
        for layer, g in ((self.output_layer, g_out), (self.hidden_layer, g_hid)):
            for neuron, gn in zip(layer.neurons, g):
                for i in range(len(neuron.weights)):
                    neuron.weights[i] -= self.learning_rate * gn[i]
        return total_error

    def calculate_total_error(self, training_sets) -> float:
        total_error = 0.0
        for training_inputs, training_outputs in training_sets:
            self.feed_forward(training_inputs)
            for o in range(len(training_outputs)):
                total_error += self.output_layer.neurons[o].calculate_error(training_outputs[o])
        return total_error


def _net(spec) -> NeuralNetwork:
    h, o = spec.layers
    return NeuralNetwork(h.weights.tolist(), float(h.biases[0]), o.weights.tolist(), float(o.biases[0]),
                         spec.learning_rate)


def mazur_loop(spec, steps: int) -> list[float]:
    """Mazur's script: one sample per nn.train, the total error recomputed after each update."""
    nn = _net(spec)
    sets = [(list(map(float, x)), list(map(float, t))) for x, t in zip(spec.inputs, spec.targets)]
    history = [nn.calculate_total_error(sets)]
    for _ in range(steps):
        nn.train(*sets[0])
        history.append(nn.calculate_total_error(sets))
    return history


def mazur_batch_loop(spec, steps: int) -> list[float]:
    nn = _net(spec)
    sets = [(list(map(float, x)), list(map(float, t))) for x, t in zip(spec.inputs, spec.targets)]
    history = [nn.train_batch(sets) for _ in range(steps)]
    return history + [nn.calculate_total_error(sets)]


# ---------------------------------------------------------------------------------------------------
# plain NumPy loop (same network kind)

def numpy_loop(spec, steps: int) -> list[float]:
    x, t = spec.inputs, spec.targets
    (w1, w2), (b1, b2), eta = [layer.weights.copy() for layer in spec.layers], [layer.biases for layer in spec.layers], \
        spec.learning_rate
    history = []
    for _ in range(steps + 1):
        h = 1.0 / (1.0 + np.exp(-(x @ w1 + b1)))
        o = 1.0 / (1.0 + np.exp(-(h @ w2 + b2)))
        history.append(float(0.5 * ((t - o) ** 2).sum()))
        if len(history) > steps:
            break
        d2 = (o - t) * o * (1.0 - o)
        d1 = (d2 @ w2.T) * h * (1.0 - h)
        w2 = w2 - eta * (h.T @ d2)
        w1 = w1 - eta * (x.T @ d1)
    return history


# ---------------------------------------------------------------------------------------------------

def batch_spec(seed: int = 0, n: int = 210):
    """A 7-16-3 sigmoid network and n synthetic samples drawn from a fixed seed."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (n, 7))
    t = np.eye(3)[rng.integers(0, 3, n)]
    return spec_from_dict({
        "inputs": x.tolist(), "targets": t.tolist(), "loss": "half_sse", "learning_rate": 0.01,
        "update_biases": False,
        "layers": [{"weights": rng.normal(0, 0.5, (7, 16)).tolist(), "biases": 0.1, "activation": "sigmoid"},
                   {"weights": rng.normal(0, 0.5, (16, 3)).tolist(), "biases": 0.2, "activation": "sigmoid"}]})


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch-steps", type=int, default=50)
    a = ap.parse_args(argv)
    mazur, big = load_preset("mazur"), batch_spec()
    cases = [("Mazur 2-2-2, 1 sample, 10,000 steps", mazur, 10_000, mazur_loop),
             (f"7-16-3, 210 samples, {a.batch_steps} steps", big, a.batch_steps, mazur_batch_loop)]
    print("| case | engine | calc.train.loop | Mazur-style loop | plain NumPy loop | vs Mazur-style | vs NumPy |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, spec, steps, slow in cases:
        cold = time.perf_counter()
        ours = train(spec, steps)                      # the first call also generates code (cold)
        cold = time.perf_counter() - cold
        t_ours, ours = median_time(lambda: train(spec, steps), a.repeats)
        t_slow, h_slow = median_time(lambda: slow(spec, steps), max(1, min(a.repeats, 3)))
        t_np, h_np = median_time(lambda: numpy_loop(spec, steps), a.repeats)
        for label, h in (("Mazur-style", h_slow), ("NumPy", h_np)):
            if not np.allclose(h, ours.history, rtol=1e-9, atol=0):
                raise SystemExit(f"{name}: the {label} baseline disagrees with calc.train.loop")
        print(f"| {name} | {choose_engine(spec)} | {t_ours * 1e3:.1f} ms (cold {cold * 1e3:.1f} ms) | "
              f"{t_slow * 1e3:.1f} ms | {t_np * 1e3:.1f} ms | {t_slow / t_ours:.1f}x | {t_np / t_ours:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
