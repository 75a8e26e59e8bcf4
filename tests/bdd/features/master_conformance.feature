Feature: The controlling station as the device under test
  The simulated RTU waits for the master under test; the master checks M01-M13 judge what it did.

  Scenario: A master on the c104-compatible API
    Given the simulated RTU waits for the master under test with the PICS "master.yaml"
    And the test master is started
    When the master under test has been checked
    Then the master check M01 passes
    And the master check M03 passes
    And the master check M08 passes
