// A small report writer with the kind of costs a review finds.
#include <iostream>
#include <string>
#include <vector>

void print_rows(const std::vector<std::string>& rows) {
    for (const auto& row : rows) {
        std::cout << row << std::endl;
    }
}
