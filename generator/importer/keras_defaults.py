"""Keras 3.15's serialized defaults: what `get_config()` holds for an argument left out.

An imported argument equal to its default here is left out of the spec. Taken from Keras and
checked by tests/keras/test_import_defaults.py; arguments that follow a
required one (a pooling layer's strides follow its pool_size, MultiHeadAttention's value_dim
its key_dim, a lookup's vocabulary_size its vocabulary) are decided in keras3.py.
"""

# ruff: noqa: E501 - one line per layer class, as Keras serializes it
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Every layer's own keys: trainable and its dtype policy.
COMMON: Mapping[str, Any] = {
    "trainable": True,
    "dtype": {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": "float32"},
        "registered_name": None,
    },
}

# fmt: off
LAYER_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    'Activation': {},
    'ActivityRegularization': {'l1': 0.0, 'l2': 0.0},
    'Add': {},
    'AdditiveAttention': {'use_scale': True, 'dropout': 0.0, 'seed': None},
    'AlphaDropout': {'seed': None, 'noise_shape': None},
    'Average': {},
    'Attention': {'use_scale': False, 'score_mode': 'dot', 'dropout': 0.0, 'seed': None},
    'AveragePooling1D': {'padding': 'valid', 'data_format': 'channels_last'},
    'AveragePooling2D': {'padding': 'valid', 'data_format': 'channels_last'},
    'AveragePooling3D': {'padding': 'valid', 'data_format': 'channels_last'},
    'BatchNormalization': {'axis': -1, 'momentum': 0.99, 'epsilon': 0.001, 'center': True, 'scale': True, 'beta_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'gamma_initializer': {'module': 'keras.initializers', 'class_name': 'Ones', 'config': {}, 'registered_name': None}, 'moving_mean_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'moving_variance_initializer': {'module': 'keras.initializers', 'class_name': 'Ones', 'config': {}, 'registered_name': None}, 'beta_regularizer': None, 'gamma_regularizer': None, 'beta_constraint': None, 'gamma_constraint': None, 'synchronized': False, 'renorm': False, 'renorm_clipping': None, 'renorm_momentum': 0.99},
    'Bidirectional': {'merge_mode': 'concat'},
    'CenterCrop': {'data_format': 'channels_last'},
    'Concatenate': {'axis': -1},
    'Conv1D': {'strides': [1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1], 'groups': 1, 'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None},
    'Conv1DTranspose': {'strides': [1], 'padding': 'valid', 'output_padding': None, 'data_format': 'channels_last', 'dilation_rate': [1], 'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None},
    'Conv2D': {'strides': [1, 1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1, 1], 'groups': 1, 'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None},
    'Conv2DTranspose': {'strides': [1, 1], 'padding': 'valid', 'output_padding': None, 'data_format': 'channels_last', 'dilation_rate': [1, 1], 'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None},
    'Conv3D': {'strides': [1, 1, 1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1, 1, 1], 'groups': 1, 'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None},
    'Conv3DTranspose': {'strides': [1, 1, 1], 'padding': 'valid', 'output_padding': None, 'data_format': 'channels_last', 'dilation_rate': [1, 1, 1], 'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None},
    'ConvLSTM1D': {'return_sequences': False, 'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'zero_output_for_mask': False, 'strides': [1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1], 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'recurrent_initializer': {'module': 'keras.initializers', 'class_name': 'Orthogonal', 'config': {'seed': None, 'gain': 1.0}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'unit_forget_bias': True, 'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'seed': None},
    'ConvLSTM2D': {'return_sequences': False, 'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'zero_output_for_mask': False, 'strides': [1, 1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1, 1], 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'recurrent_initializer': {'module': 'keras.initializers', 'class_name': 'Orthogonal', 'config': {'seed': None, 'gain': 1.0}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'unit_forget_bias': True, 'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'seed': None},
    'Cropping1D': {'cropping': [1, 1]},
    'Cropping2D': {'cropping': [[0, 0], [0, 0]], 'data_format': 'channels_last'},
    'Cropping3D': {'cropping': [[1, 1], [1, 1], [1, 1]], 'data_format': 'channels_last'},
    'Dense': {'activation': 'linear', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None, 'quantization_config': None},
    'DepthwiseConv1D': {'depth_multiplier': 1, 'strides': [1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1], 'activation': 'linear', 'use_bias': True, 'depthwise_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'depthwise_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'depthwise_constraint': None, 'bias_constraint': None},
    'DepthwiseConv2D': {'depth_multiplier': 1, 'strides': [1, 1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1, 1], 'activation': 'linear', 'use_bias': True, 'depthwise_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'depthwise_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'depthwise_constraint': None, 'bias_constraint': None},
    'Dot': {'normalize': False},
    'Dropout': {'seed': None, 'noise_shape': None},
    'ELU': {'alpha': 1.0},
    'Embedding': {'embeddings_initializer': {'module': 'keras.initializers', 'class_name': 'RandomUniform', 'config': {'seed': None, 'minval': -0.05, 'maxval': 0.05}, 'registered_name': None}, 'embeddings_regularizer': None, 'activity_regularizer': None, 'embeddings_constraint': None, 'mask_zero': False, 'quantization_config': None},
    'Flatten': {'data_format': 'channels_last'},
    'GRU': {'return_sequences': False, 'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'zero_output_for_mask': False, 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'recurrent_initializer': {'module': 'keras.initializers', 'class_name': 'Orthogonal', 'config': {'seed': None, 'gain': 1.0}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'reset_after': True, 'seed': None},
    'GaussianDropout': {'seed': None},
    'GaussianNoise': {'seed': None},
    'GlobalAveragePooling1D': {'data_format': 'channels_last', 'keepdims': False},
    'GlobalAveragePooling2D': {'data_format': 'channels_last', 'keepdims': False},
    'GlobalAveragePooling3D': {'data_format': 'channels_last', 'keepdims': False},
    'GlobalMaxPooling1D': {'data_format': 'channels_last', 'keepdims': False},
    'GlobalMaxPooling2D': {'data_format': 'channels_last', 'keepdims': False},
    'GlobalMaxPooling3D': {'data_format': 'channels_last', 'keepdims': False},
    'GroupNormalization': {'groups': 32, 'axis': -1, 'epsilon': 0.001, 'center': True, 'scale': True, 'beta_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'gamma_initializer': {'module': 'keras.initializers', 'class_name': 'Ones', 'config': {}, 'registered_name': None}, 'beta_regularizer': None, 'gamma_regularizer': None, 'beta_constraint': None, 'gamma_constraint': None},
    'IntegerLookup': {'invert': False, 'max_tokens': None, 'num_oov_indices': 1, 'oov_token': -1, 'mask_token': None, 'output_mode': 'int', 'sparse': False, 'pad_to_max_tokens': False, 'vocabulary_dtype': 'int64', 'idf_weights': None, 'vocabulary': None, 'oov_method': 'floormod', 'salt': None},
    'LSTM': {'return_sequences': False, 'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'zero_output_for_mask': False, 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'recurrent_initializer': {'module': 'keras.initializers', 'class_name': 'Orthogonal', 'config': {'seed': None, 'gain': 1.0}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'unit_forget_bias': True, 'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'seed': None},
    'LayerNormalization': {'axis': -1, 'epsilon': 0.001, 'center': True, 'scale': True, 'rms_scaling': False, 'beta_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'gamma_initializer': {'module': 'keras.initializers', 'class_name': 'Ones', 'config': {}, 'registered_name': None}, 'beta_regularizer': None, 'gamma_regularizer': None, 'beta_constraint': None, 'gamma_constraint': None},
    'LeakyReLU': {'negative_slope': 0.3},
    'Masking': {'mask_value': 0.0},
    'MaxPooling1D': {'pool_size': [2], 'padding': 'valid', 'data_format': 'channels_last'},
    'MaxPooling2D': {'pool_size': [2, 2], 'padding': 'valid', 'data_format': 'channels_last'},
    'MaxPooling3D': {'pool_size': [2, 2, 2], 'padding': 'valid', 'data_format': 'channels_last'},
    'Maximum': {},
    'Minimum': {},
    'MultiHeadAttention': {'dropout': 0.0, 'use_bias': True, 'use_gate': False, 'output_shape': None, 'attention_axes': None, 'sliding_window': None, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None, 'seed': None},
    'Multiply': {},
    'Normalization': {'axis': [-1], 'invert': False, 'mean': None, 'variance': None},
    'PReLU': {'alpha_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'alpha_regularizer': None, 'alpha_constraint': None, 'shared_axes': None},
    'Permute': {},
    'ReLU': {'max_value': None, 'negative_slope': 0.0, 'threshold': 0.0},
    'RepeatVector': {},
    'Rescaling': {'offset': 0.0},
    'Reshape': {},
    'Resizing': {'data_format': 'channels_last', 'interpolation': 'bilinear', 'crop_to_aspect_ratio': False, 'pad_to_aspect_ratio': False, 'fill_mode': 'constant', 'fill_value': 0.0, 'antialias': False},
    'SeparableConv1D': {'depth_multiplier': 1, 'strides': [1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1], 'activation': 'linear', 'use_bias': True, 'depthwise_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'pointwise_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'depthwise_regularizer': None, 'pointwise_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'depthwise_constraint': None, 'pointwise_constraint': None, 'bias_constraint': None},
    'SeparableConv2D': {'depth_multiplier': 1, 'strides': [1, 1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1, 1], 'activation': 'linear', 'use_bias': True, 'depthwise_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'pointwise_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'depthwise_regularizer': None, 'pointwise_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'depthwise_constraint': None, 'pointwise_constraint': None, 'bias_constraint': None},
    'SimpleRNN': {'return_sequences': False, 'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False, 'zero_output_for_mask': False, 'activation': 'tanh', 'use_bias': True, 'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None, 'input_axes': None, 'output_axes': None}, 'registered_name': None}, 'recurrent_initializer': {'module': 'keras.initializers', 'class_name': 'Orthogonal', 'config': {'seed': None, 'gain': 1.0}, 'registered_name': None}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}, 'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0},
    'Softmax': {'axis': -1},
    'SpatialDropout1D': {'seed': None, 'dtype': 'float32'},
    'SpatialDropout2D': {'seed': None, 'dtype': 'float32', 'data_format': 'channels_last'},
    'SpatialDropout3D': {'seed': None, 'dtype': 'float32', 'data_format': 'channels_last'},
    'StringLookup': {'invert': False, 'max_tokens': None, 'num_oov_indices': 1, 'oov_token': '[UNK]', 'mask_token': None, 'output_mode': 'int', 'sparse': False, 'pad_to_max_tokens': False, 'idf_weights': None, 'vocabulary': None, 'oov_method': 'floormod', 'salt': None, 'encoding': 'utf-8'},
    'Subtract': {},
    'UnitNormalization': {'axis': -1},
    'UpSampling1D': {'size': 2},
    'UpSampling2D': {'size': [2, 2], 'data_format': 'channels_last', 'interpolation': 'nearest'},
    'UpSampling3D': {'size': [2, 2, 2], 'data_format': 'channels_last'},
    'ZeroPadding1D': {'padding': [1, 1], 'data_format': 'channels_last'},
    'ZeroPadding2D': {'padding': [[1, 1], [1, 1]], 'data_format': 'channels_last'},
    'ZeroPadding3D': {'padding': [[1, 1], [1, 1], [1, 1]], 'data_format': 'channels_last'},
}
# fmt: on
