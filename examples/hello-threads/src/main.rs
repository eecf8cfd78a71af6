fn main() {
    println!("hello from {}", hello_threads::describe());
    println!("sum = {}", hello_threads::parallel_sum(1000, 4));
}
