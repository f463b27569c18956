"""stack/predict_call.py's direct call: the traced function's own outputs, and only for inputs
that fit its signature."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from stack.predict_call import DirectCall

SIGNATURE = [[tf.TensorSpec([None, 3], tf.float32), tf.TensorSpec([None], tf.int64)]]


@tf.function(input_signature=SIGNATURE)
def traced(batch):
    features, ids = batch
    return {"scores": tf.reduce_sum(features, axis=1) * 2.0,
            "sparse": {"ids": ids + 1}, "shape": tf.shape(features)}


def test_the_direct_call_gives_the_functions_outputs():
    direct = DirectCall(traced)
    batch = (np.array([[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]]), np.array([7, 9]))
    expected = tf.nest.map_structure(lambda t: t.numpy(), traced(batch))
    got = tf.nest.map_structure(lambda t: t.numpy(), direct(batch))
    assert got.keys() == expected.keys()
    np.testing.assert_array_equal(got["scores"], expected["scores"])
    np.testing.assert_array_equal(got["sparse"]["ids"], expected["sparse"]["ids"])
    np.testing.assert_array_equal(got["shape"], [2, 3])
    assert got["scores"].dtype == np.float32  # float64 input converted to the signature's type


def test_only_inputs_that_fit_the_signature_take_it():
    direct = DirectCall(traced)
    assert direct.fits((np.zeros((4, 3)), np.zeros(4, dtype=np.int64)))
    assert not direct.fits((np.zeros((4, 2)), np.zeros(4, dtype=np.int64)))  # last axis
    assert not direct.fits((np.zeros((4, 3, 1)), np.zeros(4, dtype=np.int64)))  # rank
    assert not direct.fits((np.zeros((4, 3)),))  # a missing input
    assert not direct.fits((np.zeros((4, 3)), np.zeros(4), np.zeros(4)))  # one too many
    assert not direct.fits((np.zeros((4, 3)), [1, 2, 3, 4]))  # not an array
