from celery import shared_task


@shared_task(acks_late=True)
def sweep_document_integrity() -> dict[str, int]:
    """Re-hash the next batch of stored files (beat runs it every few minutes; see PORTAL_INTEGRITY_*).

    Takes no arguments and finds its own work, so a lost or duplicated run costs nothing: the documents
    it did not check stay due, and a result already recorded is not alerted twice.
    """
    from .evidence.integrity import sweep

    return sweep()
