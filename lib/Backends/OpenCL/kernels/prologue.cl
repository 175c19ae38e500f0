/* Put before glow/Backends/KernelOps.def and the other kernel sources: the
   host's operation and element-kind codes as OpenCL constants (OP_Add,
   OP_Relu, K_Float, PAD_Edge, CMP_Less, EPILOGUE_Relu ...). */
#define KERNEL_BINARY_OP(KIND, CODE) enum { OP_##KIND = CODE };
#define KERNEL_UNARY_OP(KIND, CODE) enum { OP_##KIND = CODE };
#define KERNEL_SCALAR_KIND(NAME, CODE) enum { K_##NAME = CODE };
#define KERNEL_PAD_MODE(NAME, CODE) enum { PAD_##NAME = CODE };
#define KERNEL_COMPARE_MODE(NAME, CODE) enum { CMP_##NAME = CODE };
#define KERNEL_EPILOGUE(NAME, BIT) enum { EPILOGUE_##NAME = BIT };
