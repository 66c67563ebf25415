"""Builder of measured latency datasets in the NNLQP layout (scripts/build_latency_dataset.py).

Modules: families (the 10 variant generators), export (weight-free ONNX), measure (protocol,
calibration workload, machine record), build (the command line and the output folder).
"""
