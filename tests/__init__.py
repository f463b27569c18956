

def run_coroutine(coroutine):
    """Run a coroutine to its end on a loop of its own in another thread.

    The browser tests' session-wide Playwright (sync API) leaves an event loop marked as
    running in the main thread, so `asyncio.run` there fails in whichever test runs after it.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def disconnect_socketio(client) -> None:
    """Close a python-socketio AsyncClient at once, its polling reader included (a clean
    disconnect waits for the long poll, up to the server's ping interval)."""
    import asyncio

    eio, reader = client.eio, client.eio.read_loop_task
    await eio.disconnect(abort=True)
    if reader is not None and not reader.done():
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
