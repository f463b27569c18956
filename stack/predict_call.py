"""DIET's predictions (any RasaModel's) without TensorFlow re-reading each call's inputs.

Rasa 3.6 predicts through a `tf.function` with a fixed input signature. Every call, TensorFlow
binds the inputs to that signature again, checks their structure and looks the traced function up
in its cache: under load about a fifth of the time the Rasa server spends in TensorFlow (py-spy,
docs/stack.md). Once the prediction is traced (Rasa's first call, unchanged), a model's later
predictions call the traced function directly with its inputs converted to the signature's
types; TensorFlow packs its outputs as before. The traced graph, its weights and its outputs
are the same; an input that does not fit the signature (another number of inputs, or a shape the
signature does not allow) goes through Rasa's call, which checks it.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from keras.utils import tf_utils
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel
from tensorflow.python.util import nest

_rasa_predict = RasaModel._rasa_predict


class DirectCall:
    """A traced prediction called with flat tensors."""

    def __init__(self, function: Any) -> None:
        self.concrete = function.get_concrete_function()
        self.specs = nest.flatten(self.concrete.structured_input_signature[0],
                                  expand_composites=True)

    def fits(self, batch_in: Any) -> bool:
        return len(batch_in) == len(self.specs) and all(
            hasattr(value, "shape") and spec.shape.is_compatible_with(value.shape)
            for value, spec in zip(batch_in, self.specs, strict=True))

    def __call__(self, batch_in: Any) -> Any:
        flat = [tf.convert_to_tensor(value, dtype=spec.dtype)
                for value, spec in zip(batch_in, self.specs, strict=True)]
        return self.concrete._call_flat(flat, self.concrete.captured_inputs)  # packed outputs


def rasa_predict(self: RasaModel, batch_in: Any) -> Any:
    """Rasa's `_rasa_predict`, calling the traced prediction directly once it exists."""
    call = self.__dict__.get("_asb_direct_call")
    if call is None or self._run_eagerly or not self.prepared_for_prediction \
            or not call.fits(batch_in):
        outputs = _rasa_predict(self, batch_in)
        if call is None and not self._run_eagerly and self._tf_predict_step is not None:
            self.__dict__["_asb_direct_call"] = DirectCall(self._tf_predict_step)
        return outputs
    self._training = False
    outputs = tf_utils.sync_to_numpy_or_python_type(call(batch_in))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def install() -> None:
    """Make every RasaModel (DIET here) predict this way; only on the Rasa it was written for."""
    from stack import rasa_patches

    rasa_patches.require_rasa_version("stack.predict_call", "RasaModel._rasa_predict")
    RasaModel._rasa_predict = rasa_predict
