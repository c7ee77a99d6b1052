package io.remit;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * remit's entry point. Its beans are all wired in {@code io.remit.config}, the only package
 * scanned, so nothing else on the classpath (tools, tests) becomes part of the worker.
 */
@SpringBootApplication(scanBasePackages = "io.remit.config")
public class RemitApplication {
    public static void main(String[] args) {
        SpringApplication.run(RemitApplication.class, args);
    }
}
