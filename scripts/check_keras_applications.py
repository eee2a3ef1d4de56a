#!/usr/bin/env python3
"""Every architecture of keras.applications through zoo (`make check-applications`, in .venv-tf;
heavy, not part of `make test`). Writes the table into COVERAGE.md.

For each architecture, in a scratch folder (never committed; .cache/applications by default):

1. The model is built with `weights=None` after `keras.utils.set_random_seed(1)`, its 1000-class
   top without the softmax (`classifier_activation=None`: the checks compare logits, not
   probabilities that all sit near 1/1000), and its
   weights are then perturbed from NumPy's default_rng(1) so that no layer is trivial: batch-norm
   gamma, moving variance and any `variance` or `gamma` in [0.5, 1.5]; biases, beta, moving mean
   and any `mean` standard normal x 0.05; kernels keep Keras's seeded initializers. It is saved
   as .keras and .h5, with its output on a seeded input (standard normal, 1 x H x W x 3 at the
   architecture's default size; 224 where the input size is free) from `model(x, training=False)`.
2. analyze: `zoo analyze --format json` of the .keras and the .h5 gives Keras's count_params()
   and its trainable / non-trainable split exactly.
3. run: `zoo run` of the .keras and the .h5 on the input reproduces Keras's output within rtol
   1e-4, atol 1e-5 (|zoo - keras| <= atol + rtol |keras|).
4. to ONNX: `zoo convert X.keras X.onnx` passes onnx.checker (full check) and onnxruntime
   reproduces Keras's output within the same tolerance.
5. back to Keras: `zoo convert X.onnx X.back.keras` loads in Keras (`load_model`) and reproduces
   Keras's output. When the opset-13 file is refused (its LayerNormalization and Gelu are
   function bodies there), the file zoo writes at opset 21 is taken instead, and the cell says so.
6. tf2onnx: `tf2onnx.convert.from_keras` at opset 13 (symbolic batch) analyzes in zoo, and
   `zoo run` of it reproduces onnxruntime's output on it within the same tolerance (how far
   onnxruntime's own output on the export is from Keras's is reported beside it); where the two
   runtimes disagree on the export, zoo's output is judged against Keras's, the model it came
   from.

The tolerance is rtol 1e-4 with atol 1e-5, the atol scaled by the largest |reference| when the
outputs exceed 1. A result outside it is checked once more against the float64 truth (a twin of
the model in float64 with the same weights): it passes when it is no farther from that than
twice Keras's own float32 output is, the message giving both distances (deep stacks such as
RegNet amplify float32 rounding past the tolerance in Keras, onnxruntime and zoo alike). Batch-norm statistics drawn at random do not normalize, so some deep
architectures (EfficientNetV2, the larger RegNetY) reach logits in the thousands, where float32
summation order alone moves every framework's result far past the tolerance (Keras, onnxruntime
and zoo differ among themselves there). Where the largest |logit| exceeds 100, the moving mean
and variance are instead calibrated: set to the statistics each batch norm sees on a seeded batch
of two (one training-mode call with momentum 0), as a trained network's are; the table marks
those rows ("calibrated").

A conversion zoo refuses by name (exit status 2) is "refused" with zoo's message; a step with
nothing to check is "n/a" (back to Keras without an ONNX file; a tf2onnx export onnxruntime
cannot load); any other non-zero exit, mismatch or exception fails. Each architecture runs in its own process (a model
that exhausts memory fails alone) and its result is cached as SCRATCH/NAME.json, so a run can be
resumed; `--force` redoes cached architectures. RegNet and ResNetRS are not in Keras 3's
applications: they are built with tf-keras (Keras 2), whose files zoo reads as Keras 2 files.

Every result is also written to COVERAGE.json (committed), with the commit it was checked at
($ZOO_COMMIT, else this checkout's); a later run takes the committed results for architectures
its scratch folder has not checked, so checking a few names keeps every other row.

Usage: check_keras_applications.py path/to/zoo [NAME ...] [--scratch DIR] [--force]
[--no-table]. Without names, every architecture. Exits 1 when an analyze or run check failed.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "COVERAGE.json"  # every architecture's result, committed beside COVERAGE.md
# Random batch-norm statistics do not normalize; where they blow the logits past this (the deep
# EfficientNetV2 and RegNetY stacks), float32 rounding is amplified until Keras, onnxruntime and
# zoo all disagree, and the statistics are calibrated on a seeded batch instead (`calibrate`).
CALIBRATE_ABOVE = 100
NEWEST_OPSET = 21  # the newest opset zoo writes that this onnxruntime runs, for the way back to Keras
TF2ONNX_DIED = ("the check process died in tf2onnx's export or onnxruntime's load (out of memory: "
                "tf2onnx holds every weight several times over; VGG's took 22 GB)")
RTOL, ATOL = 1e-4, 1e-5
STEPS = ["analyze", "run", "to_onnx", "back_to_keras", "tf2onnx"]
HEADINGS = {"analyze": "analyze", "run": "run", "to_onnx": "to ONNX", "back_to_keras": "back to Keras", "tf2onnx": "tf2onnx file"}

KERAS3 = [
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5",
    "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S",
    "EfficientNetV2M", "EfficientNetV2L",
    "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large",
    "NASNetMobile", "NASNetLarge", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "VGG16", "VGG19", "Xception",
]
REGNET_SIZES = ["002", "004", "006", "008", "016", "032", "040", "064", "080", "120", "160", "320"]
TF_KERAS = [f"RegNet{kind}{size}" for kind in "XY" for size in REGNET_SIZES] + [
    f"ResNetRS{depth}" for depth in (50, 101, 152, 200, 270, 350, 420)]
ARCHITECTURES = KERAS3 + TF_KERAS


def quiet_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def zoo_command(zoo, *arguments, timeout=1800):
    """Runs zoo; returns (exit status, stdout, the last line of stderr)."""
    try:
        result = subprocess.run([zoo, *map(str, arguments)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", "", f"no answer within {timeout} s"
    lines = result.stderr.strip().splitlines()
    return result.returncode, result.stdout, lines[-1] if lines else ""


def max_error(actual, expected):
    """(whether `actual` is within tolerance of `expected`, the largest |difference|). The
    absolute tolerance is ATOL times the largest |expected| when that exceeds 1 (see the module
    comment)."""
    import numpy as np
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise RuntimeError(f"output shape {list(actual.shape)}, expected {list(expected.shape)}")
    difference = np.abs(actual - expected)
    atol = ATOL * max(1.0, float(np.abs(expected).max()))
    return bool(np.all(difference <= atol + RTOL * np.abs(expected))), float(difference.max())


def perturb(model, rng):
    """Seeded nonzero values for every weight but the kernels (see the module comment)."""
    import numpy as np
    for layer in model.layers:
        if not layer.weights or hasattr(layer, "layers"):
            continue
        values = []
        for variable in layer.weights:
            name = variable.name.split("/")[-1].split(":")[0]
            shape = tuple(variable.shape)
            dtype = variable.dtype if isinstance(variable.dtype, str) else variable.dtype.name
            if not dtype.startswith("float") or name == "count":
                values.append(variable.numpy())
            elif name in ("gamma", "moving_variance", "variance"):
                values.append(rng.uniform(0.5, 1.5, shape).astype(np.float32))
            elif name in ("bias", "beta", "moving_mean", "mean"):
                values.append((0.05 * rng.standard_normal(shape)).astype(np.float32))
            else:
                values.append(variable.numpy())
        layer.set_weights(values)
        if hasattr(layer, "finalize_state"):
            # Normalization computes with copies of its statistics made when it was built; they
            # follow new values only after finalize_state (as after loading a saved model).
            layer.finalize_state()
    for layer in model.layers:
        if hasattr(layer, "layers"):
            perturb(layer, rng)


def batch_norms(model):
    """Every BatchNormalization layer of `model`, nested models included."""
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from batch_norms(layer)
        elif type(layer).__name__ == "BatchNormalization":
            yield layer


def calibrate(model, batch):
    """Moving mean and variance set to the statistics each batch norm sees on `batch` (one
    training-mode call with momentum 0), as a trained network's statistics are; the perturbed
    gamma and beta stay."""
    layers = list(batch_norms(model))
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 0.0
    model(batch, training=True)
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum


def check_one(zoo, name, scratch):
    """Every step for one architecture; returns its result dictionary."""
    quiet_tensorflow()
    import numpy as np
    import onnx
    import onnxruntime
    if name in TF_KERAS:
        import tf_keras as keras
        framework = f"tf-keras {keras.__version__}"
    else:
        import keras
        framework = f"Keras {keras.__version__}"
    import tensorflow as tf
    import tf2onnx

    folder = scratch / name
    folder.mkdir(parents=True, exist_ok=True)

    def remove_models():
        for path in folder.iterdir():
            if path.suffix in (".keras", ".h5", ".onnx", ".data", ".npy"):
                path.unlink()

    # A run that died (out of memory in tf2onnx) leaves its files: a step must not find them.
    remove_models()
    result = {"name": name, "framework": framework, "steps": {}}

    def save():
        (scratch / f"{name}.json").write_text(json.dumps(result, indent=1))

    def step(key, body):
        start = time.monotonic()
        # Saved first: a step that takes the process down (out of memory) stays failed. zoo runs
        # in a child process, so the tf2onnx step dies only in tf2onnx or onnxruntime: the export
        # is then not there to check.
        result["steps"][key] = {"status": "skipped", "message": TF2ONNX_DIED, "seconds": 0} if key == "tf2onnx" else {
            "status": "fail", "message": "the check process died in this step (out of memory?)", "seconds": 0}
        save()
        try:
            outcome = body()
        except Exception as error:  # noqa: BLE001 - every failure is reported in the table
            lines = [line for line in str(error).splitlines() if line.strip()]
            outcome = {"status": "fail", "message": " / ".join(lines[:3]) if lines else type(error).__name__}
        outcome["seconds"] = round(time.monotonic() - start, 1)
        result["steps"][key] = outcome
        save()
        print(f"  {name} {key}: {outcome['status']} {outcome.get('error', '')} {outcome.get('message', '')}"[:400], flush=True)

    start = time.monotonic()
    keras.utils.set_random_seed(1)
    model = getattr(keras.applications, name)(weights=None, classifier_activation=None)
    perturb(model, np.random.default_rng(1))
    dims = [dim or 224 for dim in model.input_shape[1:]]
    x = np.random.default_rng(2).standard_normal([1, *dims]).astype(np.float32)
    expected = np.asarray(model(x, training=False))
    if np.abs(expected).max() > CALIBRATE_ABOVE:
        calibrate(model, np.random.default_rng(3).standard_normal([2, *dims]).astype(np.float32))
        result["calibrated"] = float(np.abs(expected).max())
        expected = np.asarray(model(x, training=False))
    result["output_scale"] = float(np.abs(expected).max())
    files = {"keras": folder / f"{name}.keras", "h5": folder / f"{name}.h5"}
    model.save(str(files["keras"]))
    model.save(str(files["h5"]))
    np.save(folder / "input.npy", x)
    trainable = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    non_trainable = int(sum(np.prod(v.shape) for v in model.non_trainable_weights))
    result["keras"] = {"params": int(model.count_params()), "trainable": trainable, "non_trainable": non_trainable,
                       "input": [1, *dims], "seconds": round(time.monotonic() - start, 1)}
    input_name = model.inputs[0].name.split(":")[0] if name in TF_KERAS else model.layers[0].name
    shape_options = []
    if None in model.input_shape[1:]:
        shape_options = ["--input-shape", f"{input_name}={','.join(str(d) for d in [1, *dims])}"]

    exact = {}

    def float64_output():
        """Keras's output for `x` computed in float64 by a twin of the model (the same weights,
        widened): the value every float32 framework rounds away from."""
        if "value" not in exact:
            # tf-keras builds layers in floatx; Keras 3 in its global dtype policy.
            if name in TF_KERAS:
                previous, widen, restore = keras.backend.floatx(), keras.backend.set_floatx, keras.backend.set_floatx
            else:
                previous, widen, restore = keras.config.dtype_policy().name, keras.config.set_dtype_policy, keras.config.set_dtype_policy
            widen("float64")
            try:
                twin = getattr(keras.applications, name)(weights=None, classifier_activation=None)
                twin.set_weights([np.asarray(w, dtype=np.float64) for w in model.get_weights()])
                for layer in twin.layers:
                    if hasattr(layer, "finalize_state"):
                        layer.finalize_state()
                value = twin(x.astype(np.float64), training=False)
                if str(getattr(value, "dtype", "")).find("float64") < 0:
                    raise RuntimeError(f"the float64 twin computed in {value.dtype}")
                exact["value"] = np.asarray(value, dtype=np.float64)
            finally:
                restore(previous)
        return exact["value"]

    def judge(actual, what):
        """Pass within the tolerance of Keras's output; else pass when `actual` is no farther
        from the float64 output than twice Keras's own float32 output is (the network amplifies
        float32 rounding past the tolerance for every framework); else fail."""
        ok, error = max_error(actual, expected)
        if ok:
            return {"status": "pass", "error": error}
        truth = float64_output()
        own = float(np.abs(expected.astype(np.float64) - truth).max())
        ours = float(np.abs(actual.astype(np.float64) - truth).max())
        verdict = "pass" if ours <= 2 * own else "fail"
        return {"status": verdict, "error": error,
                "message": f"{what}: outside rtol {RTOL}, atol {ATOL} of Keras's float32 output; {ours:.2g} from Keras in float64, "
                           f"where Keras's own float32 output is {own:.2g} from it"}

    def analyze():
        for kind, path in files.items():
            status, stdout, message = zoo_command(zoo, "analyze", path, "--format", "json", *shape_options)
            if status != 0:
                return {"status": "fail", "message": f".{kind}: exit {status}: {message}"}
            params = json.loads(stdout)["totals"]["params"]
            got = (params["total"], params["trainable"], params["non_trainable"])
            want = (result["keras"]["params"], trainable, non_trainable)
            if got != want:
                return {"status": "fail", "message": f".{kind}: params (total, trainable, non-trainable) {got}, Keras {want}"}
        return {"status": "pass", "message": f"{result['keras']['params']:,} params"}

    def run():
        worst, notes = 0.0, []
        for kind, path in files.items():
            output = folder / f"zoo_{kind}.npy"
            status, _, message = zoo_command(zoo, "run", path, "--input", folder / "input.npy", "--output", output, *shape_options)
            if status != 0:
                return {"status": "fail", "message": f".{kind}: exit {status}: {message}"}
            outcome = judge(np.load(output), f".{kind}")
            if outcome["status"] != "pass":
                return outcome
            worst = max(worst, outcome["error"])
            notes += [outcome["message"]] if "message" in outcome else []
        return {"status": "pass", "error": worst, **({"message": "; ".join(notes)} if notes else {})}

    onnx_file = folder / f"{name}.onnx"

    def to_onnx():
        status, _, message = zoo_command(zoo, "convert", files["keras"], onnx_file, *shape_options)
        if status == 2 and not onnx_file.exists():
            return {"status": "refused", "message": message}
        if status != 0:
            return {"status": "fail", "message": f"exit {status}: {message}"}
        onnx.checker.check_model(str(onnx_file), full_check=True)
        session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
        got = session.run(None, {session.get_inputs()[0].name: x})[0]
        return judge(got, "onnxruntime on zoo's ONNX")

    def back_to_keras():
        if result["steps"].get("to_onnx", {}).get("status") != "pass":
            return {"status": "skipped", "message": "no ONNX file"}
        back = folder / f"{name}.back.keras"
        status, _, message = zoo_command(zoo, "convert", onnx_file, back)
        via = ""
        if status == 2 and not back.exists():
            # The default opset spells LayerNormalization (17) and Gelu (20) as their function
            # bodies, which Keras has no layers for: the newest opset states them as ops.
            newest = folder / f"{name}.opset{NEWEST_OPSET}.onnx"
            status, _, _ = zoo_command(zoo, "convert", files["keras"], newest, "--opset", str(NEWEST_OPSET), *shape_options)
            if status == 0:
                status, _, _ = zoo_command(zoo, "convert", newest, back)
            if status != 0 or not back.exists():
                return {"status": "refused", "message": message}
            via = f"the opset-13 file is refused ({message.removeprefix('zoo: error: ')[:160]}); through opset {NEWEST_OPSET}"
        elif status != 0:
            return {"status": "fail", "message": f"exit {status}: {message}"}
        import keras as keras3
        loaded = keras3.models.load_model(str(back), compile=False)
        outcome = judge(np.asarray(loaded(x, training=False)), "Keras on zoo's .keras")
        if via:
            outcome["message"] = via + ("; " + outcome["message"] if "message" in outcome else "")
        return outcome

    def tf2onnx_file():
        exported = folder / f"{name}.tf2onnx.onnx"
        spec = (tf.TensorSpec((None, *dims), tf.float32, name="input"),)
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=13)
        onnx.save(proto, str(exported), save_as_external_data=proto.ByteSize() > 2_000_000_000)
        try:
            session = onnxruntime.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - the exporter's fault, reported as such
            return {"status": "skipped", "message": f"onnxruntime cannot load tf2onnx's export: {str(error).splitlines()[0][:300]}"}
        reference = session.run(None, {session.get_inputs()[0].name: x})[0]
        status, _, message = zoo_command(zoo, "analyze", exported)
        if status != 0:
            return {"status": "fail", "message": f"analyze: exit {status}: {message}"}
        output = folder / "zoo_tf2onnx.npy"
        status, _, message = zoo_command(zoo, "run", exported, "--input", folder / "input.npy", "--output", output)
        if status != 0:
            return {"status": "fail", "message": f"run: exit {status}: {message}"}
        ours = np.load(output)
        ok, error = max_error(ours, reference)
        _, exporter_error = max_error(reference, expected)
        note = f"onnxruntime on the export differs from Keras by {exporter_error:.1e}"
        if ok:
            return {"status": "pass", "error": error, "message": note}
        # Where onnxruntime and zoo disagree on the export, the model it was exported from decides.
        against_keras = judge(ours, "zoo on the export")
        _, keras_error = max_error(ours, expected)
        return {"status": against_keras["status"], "error": error,
                "message": f"{note}, zoo on it by {keras_error:.1e}" + (f"; {against_keras['message']}" if "message" in against_keras else "")}

    step("analyze", analyze)
    step("run", run)
    step("to_onnx", to_onnx)
    step("back_to_keras", back_to_keras)
    step("tf2onnx", tf2onnx_file)
    remove_models()
    return result


def cell(outcome):
    if outcome is None:
        return "not run"
    text = {"pass": "pass", "fail": "**FAIL**", "refused": "refused", "skipped": "n/a"}[outcome["status"]]
    if outcome["status"] == "pass" and "float64" in outcome.get("message", ""):
        text = "pass (float64)"
    if outcome["status"] == "pass" and "through opset" in outcome.get("message", ""):
        text = f"pass (opset {NEWEST_OPSET})"
    if "error" in outcome:
        text += f" {outcome['error']:.1e}"
    if outcome["status"] != "skipped":
        text += f" ({outcome['seconds']:.0f} s)"
    return text


def write_table(results, zoo):
    version = subprocess.run([zoo, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Coverage: keras.applications through zoo",
        "",
        "Written by `make check-applications` (scripts/check_keras_applications.py; its docstring states",
        "the checks: seeded weights with nonzero batch-norm statistics, a seeded input, rtol 1e-4 and",
        "atol 1e-5 (times the largest |output| above 1) against Keras's output, onnxruntime's for the",
        "tf2onnx file). Each cell: the outcome, the largest absolute difference",
        "from the reference, and the step's time on this machine (2 cores, shared).",
        "",
        f"zoo {version} at {', '.join(sorted({entry.get('zoo', 'an unrecorded commit') for entry in results.values()}))}; "
        f"{platform.platform()}; {datetime.date.today().isoformat()}. The results are also in COVERAGE.json, each with the "
        "commit it was checked at; a run keeps the rows of architectures it does not check.",
        "",
        "| architecture | built with | params | input | max \\|output\\| | " + " | ".join(HEADINGS[s] for s in STEPS) + " |",
        "|---|---|---:|---|---:|" + "---|" * len(STEPS),
    ]
    notes = []
    for name in ARCHITECTURES:
        entry = results.get(name)
        if entry is None:
            lines.append(f"| {name} | | | | | " + " | ".join("not run" for _ in STEPS) + " |")
            continue
        if "keras" not in entry:
            lines.append(f"| {name} | {entry.get('framework', '')} | | | | **FAIL**: {entry.get('message', 'not built')} |" + " |" * (len(STEPS) - 1))
            continue
        keras_info = entry["keras"]
        shape = "x".join(str(d) for d in keras_info["input"][1:])
        scale = f"{entry['output_scale']:.3g}" if "output_scale" in entry else ""
        if "calibrated" in entry:
            scale += f" (calibrated; {entry['calibrated']:.3g} before)"
        lines.append(f"| {name} | {entry['framework']} | {keras_info['params']:,} | {shape} | {scale} | "
                     + " | ".join(cell(entry["steps"].get(step)) for step in STEPS) + " |")
        for step in STEPS:
            outcome = entry["steps"].get(step)
            judged_exactly = outcome and outcome["status"] == "pass" and ("float64" in outcome.get("message", "") or "through opset" in outcome.get("message", ""))
            if judged_exactly or outcome and outcome["status"] in ("fail", "refused", "skipped") and outcome.get("message", "no ONNX file") != "no ONNX file":
                notes.append(f"- {name}, {HEADINGS[step]} ({outcome['status']}): {outcome['message']}")
    counts = {status: sum(1 for entry in results.values() for outcome in entry.get("steps", {}).values()
                          if outcome["status"] == status) for status in ("pass", "refused", "fail")}
    lines += ["", f"{len(results)} of {len(ARCHITECTURES)} architectures checked: {counts['pass']} steps passed, "
              f"{counts['refused']} refused by name, {counts['fail']} failed.", ""]
    if notes:
        lines += ["## Refusals and failures, as zoo or the check stated them", ""] + notes + [""]
    (ROOT / "COVERAGE.md").write_text("\n".join(lines))


def zoo_commit():
    """The commit of the zoo being checked: $ZOO_COMMIT, else this checkout's (with -dirty)."""
    if os.environ.get("ZOO_COMMIT"):
        return os.environ["ZOO_COMMIT"]
    described = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True)
    return described.stdout.strip() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoo")
    parser.add_argument("names", nargs="*")
    parser.add_argument("--scratch", type=pathlib.Path, default=ROOT / ".cache" / "applications")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--no-table", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    zoo = str(pathlib.Path(arguments.zoo).resolve())
    scratch = arguments.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    if arguments.one:
        check_one(zoo, arguments.one, scratch)
        return 0
    names = arguments.names or ARCHITECTURES
    unknown = [name for name in names if name not in ARCHITECTURES]
    if unknown:
        parser.error(f"unknown architectures {unknown}; known: {', '.join(ARCHITECTURES)}")
    # The committed results stand for architectures the scratch folder has not checked (a new
    # clone, another machine), so a run of a few names keeps the others' rows.
    committed = json.loads(RESULTS.read_text()).get("results", {}) if RESULTS.exists() else {}
    for name, entry in committed.items():
        cached = scratch / f"{name}.json"
        if name in ARCHITECTURES and not cached.exists() and not (arguments.force and name in names):
            cached.write_text(json.dumps(entry, indent=1))
    commit = zoo_commit()
    for name in names:
        cached = scratch / f"{name}.json"
        if cached.exists() and not arguments.force:
            continue
        print(f"{name}:", flush=True)
        cached.unlink(missing_ok=True)
        process = subprocess.run([sys.executable, __file__, zoo, "--one", name, "--scratch", str(scratch)])
        entry = json.loads(cached.read_text()) if cached.exists() else {"name": name, "message": f"the check process exited {process.returncode}"}
        entry["zoo"] = commit
        cached.write_text(json.dumps(entry, indent=1))
    results = {}
    for name in ARCHITECTURES:
        cached = scratch / f"{name}.json"
        if cached.exists():
            results[name] = json.loads(cached.read_text())
    if not arguments.no_table:
        write_table(results, zoo)
        RESULTS.write_text(json.dumps({"results": results}, indent=1, sort_keys=True) + "\n")
    failed = [name for name, entry in results.items()
              if "keras" not in entry or any(entry["steps"].get(step, {}).get("status") == "fail" for step in ("analyze", "run"))]
    print(f"{len(results)} architectures checked; analyze or run failed for {len(failed)}: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
