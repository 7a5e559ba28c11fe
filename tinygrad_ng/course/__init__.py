"""The course's hand-derived forward and backward propagation, in plain NumPy, one module per course.

Each function is written as the Deep Learning Specialization writes it, so that tinygrad_ng's
automatic gradients can be held to the hand-derived formulas. Nothing here uses the engine.

- :mod:`tinygrad_ng.course.c1`: *Neural Networks and Deep Learning* (logistic regression, the
  planar network, the L-layer network);
- :mod:`tinygrad_ng.course.c2`: L2 regularisation, inverted dropout, gradient checking,
  mini-batches, momentum, Adam, learning-rate decay, batch norm;
- :mod:`tinygrad_ng.course.c4`: convolution and pooling, forward and backward;
- :mod:`tinygrad_ng.course.c5`: RNN and LSTM cells and sequences, and the character-level
  language model.

Course 1's names and the later courses' names that do not clash are importable from here;
functions whose names recur with another meaning (course 2's ``forward_propagation``, course 5's
``optimize`` and ``initialize_parameters``) live in their course's module.

>>> from tinygrad_ng import course
>>> course.conv_forward is course.c4.conv_forward
True
"""

from . import c1, c2, c4, c5
from .c1 import *  # noqa: F403
from .c1 import __all__ as _c1
from .c2 import (
    backward_propagation_with_dropout,
    backward_propagation_with_regularization,
    batchnorm_backward,
    batchnorm_forward,
    compute_cost_with_regularization,
    forward_propagation_with_dropout,
    gradient_check_difference,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_momentum,
)
from .c4 import (
    conv_backward,
    conv_forward,
    conv_single_step,
    create_mask_from_window,
    distribute_value,
    pool_backward,
    pool_forward,
    zero_pad,
)
from .c5 import (
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
    rnn_backward,
    rnn_cell_backward,
    rnn_cell_forward,
    rnn_forward,
    softmax,
)

__all__ = [
    *_c1,
    "c1", "c2", "c4", "c5",
    "compute_cost_with_regularization", "backward_propagation_with_regularization",
    "forward_propagation_with_dropout", "backward_propagation_with_dropout",
    "gradient_check_difference", "random_mini_batches", "update_parameters_with_momentum",
    "update_parameters_with_adam", "update_lr", "schedule_lr_decay",
    "batchnorm_forward", "batchnorm_backward",
    "zero_pad", "conv_single_step", "conv_forward", "conv_backward", "create_mask_from_window",
    "distribute_value", "pool_forward", "pool_backward",
    "softmax", "rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward",
    "lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward",
]  # fmt: skip
