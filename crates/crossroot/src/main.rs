fn main() -> std::process::ExitCode {
    crossroot::main()
}
