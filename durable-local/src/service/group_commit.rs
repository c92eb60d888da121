//! Group commit: every write queued while one transaction commits goes into the next one.
//! Whoever holds the store lock is the leader and commits the whole queue; the others wait
//! for the committed sequence number to pass their ticket.

use std::sync::MutexGuard;
use std::sync::atomic::Ordering;

use super::Service;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{PendingWrite, Store};

impl Service {
    /// Waits until the write with `ticket` is committed, committing the pending group itself
    /// when no other caller is doing so (group commit: one transaction for every write queued
    /// while the previous one was being committed).
    pub(crate) fn durable(&self, ticket: u64) -> ServiceResult<()> {
        let store = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.durable_seq.load(Ordering::Acquire) >= ticket {
            return self.check_failed(ticket);
        }
        self.lead(store, ticket)
    }

    /// Like [`Service::durable`], but a follower awaits the leader instead of blocking.
    pub(crate) async fn durable_async(&self, ticket: u64) -> ServiceResult<()> {
        loop {
            let committed = self.committed.notified();
            tokio::pin!(committed);
            committed.as_mut().enable();
            if self.durable_seq.load(Ordering::Acquire) >= ticket {
                return self.check_failed(ticket);
            }
            if let Ok(store) = self.writer.try_lock() {
                return self.lead(store, ticket);
            }
            committed.await;
        }
    }

    /// Commits everything queued, holding the store lock.
    fn lead(&self, mut store: MutexGuard<'_, Store>, ticket: u64) -> ServiceResult<()> {
        if self.durable_seq.load(Ordering::Acquire) >= ticket {
            return self.check_failed(ticket);
        }
        let batch = std::mem::take(&mut self.lock().pending);
        let (Some(first), Some(last)) = (batch.first().map(|b| b.0), batch.last().map(|b| b.0))
        else {
            return self.check_failed(ticket);
        };
        let writes: Vec<PendingWrite> = batch.into_iter().map(|(_, w)| w).collect();
        let result = store.write_batch(&writes);
        if let Err(e) = &result {
            tracing::error!("group commit of {} writes failed: {e}", writes.len());
            self.failed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((first, last));
            // Memory ran ahead of the store: go back to what is committed.
            let mut inner = self.lock();
            for w in &writes {
                match store.load_one(w.arn()) {
                    Ok(Some(exec)) => {
                        inner.execs.insert(exec.header.arn.clone(), exec);
                    }
                    Ok(None) => {
                        inner.execs.remove(w.arn());
                    }
                    Err(e) => tracing::error!(arn = w.arn(), "cannot reload: {e}"),
                }
            }
        }
        self.durable_seq.store(last, Ordering::Release);
        drop(store);
        self.committed.notify_waiters();
        result?;
        self.check_failed(ticket)
    }

    fn check_failed(&self, ticket: u64) -> ServiceResult<()> {
        let failed = self
            .failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failed.iter().any(|(a, b)| (*a..=*b).contains(&ticket)) {
            return Err(ServiceError::Internal(
                "the change could not be committed".into(),
            ));
        }
        Ok(())
    }

    /// Commits everything queued so far.
    pub(crate) fn flush(&self) -> ServiceResult<()> {
        let ticket = self.lock().next_seq;
        self.durable(ticket)
    }
}
