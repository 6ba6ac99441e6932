/* A dynamic batcher with Triton's semantics.
 *
 * Jobs (one validated inference request each) wait in a FIFO queue. One runner thread forms a
 * batch from the oldest jobs and sends it to the model as soon as it holds max_batch rows, the
 * next queued job cannot join it, or the oldest job has waited max_queue_delay_us. For ragged
 * models (an attention_mask input) jobs of different sequence lengths share a batch: inputs are
 * right-padded to the longest with 0 (mask 0 on the padding) and outputs are cut back per job,
 * so a job's result is the same as running it alone. If a batch fails, its jobs are run again
 * one by one so that one bad request cannot fail the others.
 *
 * A full queue refuses a job at once ("Exceeds maximum queue size"); a job that waited longer
 * than timeout_us fails with "Request timeout expired"; both are 503. */
#ifndef TRT_SERVE_BATCHER_H
#define TRT_SERVE_BATCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "serve/metrics.h"
#include "serve/model.h"

typedef struct trt_srv_batcher_opts {
  int max_batch;              /* rows per batch (>= 1) */
  int64_t max_queue_delay_us; /* how long the oldest job may wait for the batch to fill */
  int max_queue;              /* queued jobs at most; 0 = unbounded */
  int64_t timeout_us;         /* queue time after which a job fails; 0 = never */
  bool no_batching;           /* every job runs alone */
} trt_srv_batcher_opts;

void trt_srv_batcher_opts_init(trt_srv_batcher_opts *o);

typedef struct trt_srv_job trt_srv_job;

struct trt_srv_job {
  /* Filled by the submitter (trt_srv_sig_check gives inputs, rows and seq_len). */
  trt_srv_tensor inputs[TRT_SRV_MAX_IO]; /* indexed like sig->inputs; owned by the job */
  int64_t rows;                          /* batch rows of this request */
  int64_t seq_len;                       /* sequence length (ragged models), else 0 */
  bool want[TRT_SRV_MAX_IO];             /* outputs to return, indexed like sig->outputs */
  /* Called once from the runner thread when the job is finished (status set). The job may be
   * freed inside; the batcher does not touch it afterwards. */
  void (*done)(trt_srv_job *job);
  /* Optional: true when nobody waits for the result any more (the client went away). Checked
   * just before the job would run; such jobs finish with status 499 without running. */
  bool (*gone)(trt_srv_job *job);
  void *user;

  /* Filled by the batcher. */
  int status;           /* HTTP status: 200, 400, 499, 500 or 503 */
  trt_srv_outcome outcome;
  char error[480];      /* message when status != 200 */
  trt_srv_tensor outputs[TRT_SRV_MAX_IO]; /* malloc'd results for the wanted outputs */
  uint64_t t_submit_ns, t_start_ns, t_end_ns;
  int batch_rows;       /* rows of the batch the job ran in */

  trt_srv_job *next;    /* queue link, private to the batcher */
};

typedef struct trt_srv_batcher trt_srv_batcher;

/* Starts the runner thread. model and sig must outlive the batcher; metrics may be NULL. */
int trt_srv_batcher_create(const trt_srv_model *model, const trt_srv_sig *sig,
                           const trt_srv_batcher_opts *opts, trt_srv_metrics *metrics,
                           trt_srv_batcher **out, tinyrt_error *err);

/* Queues a job. Returns 0, after which done() will be called exactly once; or fails at once
 * with the job's status and error set (503 when the queue is full or the batcher is stopping,
 * 400 when the job has more rows than max_batch) and done() is never called. */
int trt_srv_batcher_submit(trt_srv_batcher *b, trt_srv_job *job);

/* Jobs waiting in the queue right now. */
int trt_srv_batcher_queued(trt_srv_batcher *b);

/* From now on batches go to the model at once instead of waiting for more jobs (used while
 * shutting down, so that requests in flight finish quickly). New jobs are still accepted. */
void trt_srv_batcher_drain(trt_srv_batcher *b);

/* Refuses new jobs, runs everything already queued without waiting for batches to fill, and
 * joins the runner thread. Idempotent. */
void trt_srv_batcher_stop(trt_srv_batcher *b);
/* Stops (if not yet) and releases the batcher. */
void trt_srv_batcher_destroy(trt_srv_batcher *b);

/* Releases the job's input and output tensors. */
void trt_srv_job_clear(trt_srv_job *job);

#endif
