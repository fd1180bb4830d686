-- wrk script: POST a JSON body (WRK_BODY, default a one-line chat message) to the URL given to wrk.
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or '{"message":"hello"}'
wrk.headers["Content-Type"] = "application/json"
