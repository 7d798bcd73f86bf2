/* relay.c: the one-job worker thread of relay.h. */
#include "core/relay.h"

static void *relay_main(void *arg)
{
    relay *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->ready && !r->stop)
            pthread_cond_wait(&r->cv, &r->mu);
        if (!r->ready)
            break; /* stop with nothing handed over */
        pthread_mutex_unlock(&r->mu);
        r->run(r->ud);
        pthread_mutex_lock(&r->mu);
        r->ready = false;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

bool relay_start(relay *r, void (*run)(void *ud), void *ud)
{
    if (r->tried)
        return r->on;
    r->tried = true;
    r->run = run;
    r->ud = ud;
    r->ready = r->stop = false;
    if (pthread_mutex_init(&r->mu, NULL) != 0)
        return false;
    if (pthread_cond_init(&r->cv, NULL) != 0) {
        pthread_mutex_destroy(&r->mu);
        return false;
    }
    r->on = pthread_create(&r->th, NULL, relay_main, r) == 0;
    if (!r->on) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
    }
    return r->on;
}

void relay_hand(relay *r)
{
    pthread_mutex_lock(&r->mu);
    r->ready = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void relay_wait(relay *r)
{
    if (!r->on)
        return;
    pthread_mutex_lock(&r->mu);
    while (r->ready)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

void relay_end(relay *r)
{
    if (r->on) {
        pthread_mutex_lock(&r->mu);
        r->stop = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->th, NULL);
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        r->on = false;
    }
    r->tried = false;
}
