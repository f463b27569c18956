"""A message's sparse features joined side by side at once, as Rasa joins them one at a time.

Before DIET trains, Rasa joins each message's sparse features from every featurizer into one
matrix per message and kind (`Message._combine_features`): a deep copy of the first, then one
`scipy.sparse.hstack` for each of the others, each rebuilding the whole matrix. Four featurizers
and about 17,000 examples made that a tenth of a fresh training. Here the same matrix is made in
one step: the values, rows and columns (shifted by the widths before them) of every part put one
after another, in the types scipy's `hstack` gives them. The result is equal to Rasa's value by
value, in the same order and types (tests/stack/test_rasa_training.py); anything but COO
matrices of equal height is joined Rasa's way.

Installed by `stack.rasa_training.install()`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse._sputils import get_index_dtype, upcast

_rasa_combine = Message._combine_features


def hstack(matrices: list[scipy.sparse.coo_matrix]) -> scipy.sparse.coo_matrix:
    """`scipy.sparse.hstack` of COO matrices of equal height, made at once (scipy's `bmat`)."""
    offsets = np.append(0, np.cumsum([m.shape[1] for m in matrices], dtype=np.int64))
    shape = (matrices[0].shape[0], offsets[-1])
    index = get_index_dtype(maxval=max(shape))
    data = np.concatenate([m.data for m in matrices]).astype(
        upcast(*[m.dtype for m in matrices]), copy=False)
    row = np.concatenate([m.row.astype(index, copy=False) for m in matrices])
    col = np.concatenate([np.add(m.col, offset, dtype=index)
                          for m, offset in zip(matrices, offsets[:-1], strict=True)])
    return scipy.sparse.coo_matrix((data, (row, col)), shape=shape)


def combine_features(features: list[Features], featurizers: list[str]) -> Features | None:
    """`Message._combine_features`: the features joined into one, its origin `featurizers`."""
    if len(features) < 2 or any(type(f.features) is not scipy.sparse.coo_matrix
                                or f.features.shape[0] != features[0].features.shape[0]
                                for f in features):
        return _rasa_combine(features, featurizers)
    first = features[0]
    return Features(hstack([f.features for f in features]), first.type, first.attribute,
                    featurizers)


def install() -> None:
    Message._combine_features = staticmethod(combine_features)
