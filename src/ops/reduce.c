/* Ops of the reduce group: see ops.h. */
#include "ops/ops.h"

const trt_op_def trt_ops_reduce[] = {
    {TRT_OP_UNKNOWN, "", "", 0, 0, 0, 0, 0, NULL, NULL}, /* placeholder until the group lands */
};
const int trt_ops_reduce_count = 0;
