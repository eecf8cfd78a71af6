fn main() {
    println!("hello from {}", hello_threads::describe());
    println!("sum = {}", hello_threads::parallel_sum(1000, 4));
    // What a runner must pass through: each argument comes back on its own line, and
    // `--exit=N` makes N the exit code.
    let mut code = 0;
    for arg in std::env::args().skip(1) {
        println!("arg: {arg}");
        if let Some(n) = arg.strip_prefix("--exit=") {
            code = n.parse().unwrap_or(2);
        }
    }
    std::process::exit(code);
}
