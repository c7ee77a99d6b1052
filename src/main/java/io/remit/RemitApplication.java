package io.remit;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class RemitApplication {
    public static void main(String[] args) {
        SpringApplication.run(RemitApplication.class, args);
    }
}
