/* relay.h: a worker thread that takes one job at a time from its owner, for double
 * buffering (the Parquet writer's compressor, the text writers' deflate/write thread). The
 * owner fills a job, hands it over and fills the next while the thread runs `run`; before it
 * touches the handed job again, or hands the next, it waits. The hand-over and the wait are the
 * only synchronisation: whatever the owner wrote before relay_hand is visible to `run`, and
 * whatever `run` wrote is visible to the owner after relay_wait. */
#ifndef CDLT_CORE_RELAY_H
#define CDLT_CORE_RELAY_H

#include <pthread.h>
#include <stdbool.h>

typedef struct relay {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void (*run)(void *ud); /* the job, on the thread */
    void *ud;
    bool tried;            /* relay_start ran (once) */
    bool on;               /* the thread runs */
    bool ready;            /* a job is handed over and not done */
    bool stop;             /* the thread ends after the handed job */
} relay;

/* Start the thread (first call only; {0} is a valid not-started relay). False when there is
 * no thread to be had: the owner then runs its jobs itself. */
bool relay_start(relay *r, void (*run)(void *ud), void *ud);
/* The job is filled: the thread runs it. Only after relay_start returned true. */
void relay_hand(relay *r);
/* Until the handed job is done (at once when none is, or there is no thread). */
void relay_wait(relay *r);
/* Let the handed job finish, end the thread; {0} and repeated calls are fine. */
void relay_end(relay *r);

#endif /* CDLT_CORE_RELAY_H */
