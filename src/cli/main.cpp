#include <cstdio>
int main() { std::puts("recur"); return 0; }
