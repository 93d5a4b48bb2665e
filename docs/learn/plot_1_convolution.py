"""
1. What is a convolution?
=========================

Placeholder.
"""

import convpool

print(convpool.conv_output_shape(28, 3))
