Feature: TLS from Gherkin
  The --rtu-tls-cert, --rtu-tls-key and --rtu-tls-ca options make every connection TLS.

  Scenario: Station interrogation over mutual TLS
    Given the demo RTU is running
    And a connection to the RTU
    And data transfer is started
    When I send a general interrogation
    Then the interrogation is confirmed and terminated
    And IOA 100 reports ON
