

def run_coroutine(coroutine):
    """Run a coroutine to its end on a loop of its own in another thread.

    The browser tests' session-wide Playwright (sync API) leaves an event loop marked as
    running in the main thread, so `asyncio.run` there fails in whichever test runs after it.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
