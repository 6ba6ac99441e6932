/* Server metrics in the Prometheus text exposition format (GET /metrics): inference requests by
 * outcome, a batch-size histogram, and queue, compute and end-to-end time histograms. */
#ifndef TRT_SERVE_METRICS_H
#define TRT_SERVE_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* How an inference request ended. */
typedef enum trt_srv_outcome {
  TRT_SRV_OK = 0,
  TRT_SRV_BAD_REQUEST, /* 400/404/413: the request was wrong */
  TRT_SRV_QUEUE_FULL,  /* 503: the batcher's queue was full */
  TRT_SRV_TIMEOUT,     /* 503: waited in the queue past the timeout */
  TRT_SRV_UNAVAILABLE, /* 503: the server is shutting down */
  TRT_SRV_CANCELLED,   /* the client went away before the request ran */
  TRT_SRV_ERROR,       /* 500: the model failed */
  TRT_SRV_OUTCOME_COUNT
} trt_srv_outcome;

typedef struct trt_srv_metrics trt_srv_metrics;

/* NULL when out of memory. Every function below accepts a NULL metrics and does nothing. */
trt_srv_metrics *trt_srv_metrics_create(const char *model_name);
void trt_srv_metrics_destroy(trt_srv_metrics *m);

/* One inference request finished (from arrival to response), with its outcome. */
void trt_srv_metrics_request(trt_srv_metrics *m, trt_srv_outcome outcome, double seconds);
/* One request left the queue after `seconds` (to run, or to fail its timeout). */
void trt_srv_metrics_queue(trt_srv_metrics *m, double seconds);
/* One model execution of `rows` rows from `requests` requests took `seconds`. */
void trt_srv_metrics_batch(trt_srv_metrics *m, int rows, int requests, double seconds);

/* Totals in the shape of Triton's statistics extension (GET /v2/models/{m}/stats). */
typedef struct trt_srv_stats {
  uint64_t success, fail;              /* requests */
  double success_s, fail_s;            /* their summed end-to-end times */
  uint64_t queued;                     /* requests that left the queue */
  double queue_s;
  uint64_t executions, inferences;     /* model executions; requests inside them */
  double compute_s;                    /* summed execution times */
  double compute_per_request_s;        /* each request's execution time, summed over requests */
  uint64_t last_inference_ms;          /* wall-clock ms of the last success, 0 = none */
} trt_srv_stats;

void trt_srv_metrics_stats(trt_srv_metrics *m, trt_srv_stats *out);

/* The exposition text (malloc'd, NUL-terminated) or NULL when out of memory. queue_depth is the
 * number of requests waiting right now. */
char *trt_srv_metrics_render(trt_srv_metrics *m, int queue_depth, size_t *len);

#endif
