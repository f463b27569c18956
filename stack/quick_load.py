"""Loading a trained Rasa TensorFlow model (DIET, our only one) without tracing its training step.

Rasa 3.6 loads each of its TensorFlow models (`RasaModel.load`) by training the empty model on
one example, so that every weight exists before the saved ones are read into it, then predicting
once. Training on that one example traces the whole training step (the loss and its gradients):
most of the time Rasa takes to load our model. Here the saved weights are read first and given to
each weight as the prediction creates it (TensorFlow's restore-on-create), so only the prediction
is traced. What is read is checked: every weight the prediction uses must have come from the
file, else the model is loaded Rasa's way, so a prediction is always made with the trained weights.
The optimiser's state and the weights only training uses are left unread: a served model does not
train. Fine-tuning (`rasa train --finetune`) and a load without a prediction example keep Rasa's
way.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger(__name__)

_rasa_load = RasaModel.load.__func__


def _quick_load(cls: type[RasaModel], model_file_name: str, model_data_example: Any,
                predict_data_example: Any = None, finetune_mode: bool = False,
                *args: Any, **kwargs: Any) -> RasaModel:
    if finetune_mode or predict_data_example is None:
        return _rasa_load(cls, model_file_name, model_data_example, predict_data_example,
                          finetune_mode, *args, **kwargs)
    import tensorflow as tf

    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                  run_eagerly=config.get(RUN_EAGERLY))
    status = model.load_weights(model_file_name)  # restored as each weight is created
    model.run_inference(predict_data_example)
    try:
        status.assert_existing_objects_matched()
    except AssertionError as error:
        logger.warning("quick load of %s did not restore every weight (%s): loading it "
                       "Rasa's way", cls.__name__, str(error).splitlines()[0][:200])
        return _rasa_load(cls, model_file_name, model_data_example, predict_data_example,
                          finetune_mode, *args, **kwargs)
    status.expect_partial()  # the optimiser's state and training-only weights stay unread
    return model


def install() -> None:
    """Make every RasaModel (DIET here) load this way; only on the Rasa it was written for."""
    from stack import rasa_patches

    rasa_patches.require_rasa_version("stack.quick_load", "RasaModel.load")
    if getattr(RasaModel.load, "__func__", None) is not _quick_load:
        RasaModel.load = classmethod(_quick_load)
