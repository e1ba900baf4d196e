// Keep test output readable: the server logs at warn unless a test asks otherwise.
process.env.BUNDUIT_TEST = "1";
